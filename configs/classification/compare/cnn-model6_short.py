# A short run on the synthetic recognition chips: CNN model 6 (VGG-like), same data and
# epochs as ffnn-model3_short.py.
_base_ = ['../cnn_base.py']
train_dataloader = dict(dataset=dict(max_per_class=30))
val_dataloader = dict(dataset=dict(max_per_class=30))
train_cfg = dict(max_epochs=3)

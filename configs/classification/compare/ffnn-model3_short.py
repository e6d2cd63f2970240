# A short run on the synthetic recognition chips: FFNN model 3 (compare with CNN model 6).
_base_ = ['../ffnn_base.py']
train_dataloader = dict(dataset=dict(max_per_class=30))
val_dataloader = dict(dataset=dict(max_per_class=30))
train_cfg = dict(max_epochs=3)

# Experiment 22 of the report (Table 5): CNN model 1, 50 epochs, lr 0.1,
# batch 16, relu, ReduceLROnPlateau(patience 5, factor 0.1),
# EarlyStopping(patience 20), regularizer L2(0.00001), initializer he_normal,
# dropout 0, batch norm no. The report's test scores: accuracy 38.16 %,
# recall 30.24 %, precision 18.21 %.
_base_ = ['cnn_base.py']
model = dict(
    backbone=dict(model=1, init='he_normal'), weight_penalty=('l2', 1e-05)
)
optim_wrapper = dict(optimizer=dict(lr=0.1))
train_dataloader = dict(batch_size=16)
default_hooks = dict(early_stopping=dict(patience=20))
report_scores = dict(acc=38.16, rec=30.24, prec=18.21)

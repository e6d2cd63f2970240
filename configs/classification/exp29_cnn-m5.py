# Experiment 29 of the report (Table 5): CNN model 5, 50 epochs, lr 0.1,
# batch 16, relu, ReduceLROnPlateau(patience 5, factor 0.1),
# EarlyStopping(patience 20), regularizer L2(0.00001), initializer he_normal,
# dropout 0, batch norm yes. The report's test scores: accuracy 50.79 %,
# recall 35.58 %, precision 20.79 %.
_base_ = ['cnn_base.py']
model = dict(
    backbone=dict(model=5, batch_norm=True, init='he_normal'),
    weight_penalty=('l2', 1e-05),
)
optim_wrapper = dict(optimizer=dict(lr=0.1))
train_dataloader = dict(batch_size=16)
default_hooks = dict(early_stopping=dict(patience=20))
report_scores = dict(acc=50.79, rec=35.58, prec=20.79)

# Experiment 12 of the report (Table 3): FFNN model 4, 50 epochs, lr 0.1,
# batch 64, relu, ReduceLROnPlateau(patience 5, factor 0.1),
# EarlyStopping(patience 20), regularizer L1(0.01), initializer he_uniform,
# dropout 0.2, batch norm yes. The report's test scores: accuracy 49.34 %,
# recall 16.14 %, precision 15.03 %.
_base_ = ['ffnn_base.py']
model = dict(
    backbone=dict(model=4, dropout=0.2, batch_norm=True),
    weight_penalty=('l1', 0.01),
)
optim_wrapper = dict(optimizer=dict(lr=0.1))
train_dataloader = dict(batch_size=64)
default_hooks = dict(early_stopping=dict(patience=20))
report_scores = dict(acc=49.34, rec=16.14, prec=15.03)

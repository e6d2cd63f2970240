# Experiment 17 of the report (Table 3): FFNN model 3, 50 epochs, lr 0.1,
# batch 64, relu, ReduceLROnPlateau(patience 5, factor 0.1),
# EarlyStopping(patience 20), regularizer L2(0.00001), initializer
# he_uniform, dropout 0.2, batch norm yes. The report's test scores: accuracy
# 45.89 %, recall 29.86 %, precision 19.61 %.
_base_ = ['ffnn_base.py']
model = dict(
    backbone=dict(dropout=0.2, batch_norm=True), weight_penalty=('l2', 1e-05)
)
optim_wrapper = dict(optimizer=dict(lr=0.1))
train_dataloader = dict(batch_size=64)
default_hooks = dict(early_stopping=dict(patience=20))
report_scores = dict(acc=45.89, rec=29.86, prec=19.61)

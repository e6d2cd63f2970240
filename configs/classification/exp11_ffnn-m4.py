# Experiment 11 of the report (Table 3): FFNN model 4, 50 epochs, lr 0.1,
# batch 64, relu, ReduceLROnPlateau(patience 5, factor 0.1),
# EarlyStopping(patience 20), regularizer none, initializer he_normal,
# dropout 0.2, batch norm yes. The report's test scores: accuracy 40.64 %,
# recall 29.65 %, precision 18.97 %.
_base_ = ['ffnn_base.py']
model = dict(
    backbone=dict(model=4, dropout=0.2, batch_norm=True, init='he_normal')
)
optim_wrapper = dict(optimizer=dict(lr=0.1))
train_dataloader = dict(batch_size=64)
default_hooks = dict(early_stopping=dict(patience=20))
report_scores = dict(acc=40.64, rec=29.65, prec=18.97)

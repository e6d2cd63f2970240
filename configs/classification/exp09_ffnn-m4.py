# Experiment 9 of the report (Table 3): FFNN model 4, 50 epochs, lr 0.1,
# batch 64, relu, ReduceLROnPlateau(patience 10, factor 0.1),
# EarlyStopping(patience 20), regularizer none, initializer none (Keras
# default: Glorot uniform), dropout 0, batch norm yes. The report's test
# scores: accuracy 36.08 %, recall 25.88 %, precision 20.46 %.
_base_ = ['ffnn_base.py']
model = dict(backbone=dict(model=4, batch_norm=True, init='glorot_uniform'))
optim_wrapper = dict(optimizer=dict(lr=0.1))
train_dataloader = dict(batch_size=64)
param_scheduler = dict(patience=10)
default_hooks = dict(early_stopping=dict(patience=20))
report_scores = dict(acc=36.08, rec=25.88, prec=20.46)

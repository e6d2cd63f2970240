# Experiment 3 of the report (Table 3): FFNN model 2, 20 epochs, lr 0.1,
# batch 32, relu, ReduceLROnPlateau(patience 10, factor 0.1),
# EarlyStopping(patience 40), regularizer none, initializer none (Keras
# default: Glorot uniform), dropout 0, batch norm no. The report's test
# scores: accuracy 0.22 %, recall 8.33 %, precision 0.01 %.
_base_ = ['ffnn_base.py']
model = dict(backbone=dict(model=2, init='glorot_uniform'))
train_cfg = dict(max_epochs=20)
optim_wrapper = dict(optimizer=dict(lr=0.1))
param_scheduler = dict(patience=10)
default_hooks = dict(early_stopping=dict(patience=40))
report_scores = dict(acc=0.22, rec=8.33, prec=0.01)

# Experiment 1 of the report (Table 3): FFNN model 1, 20 epochs, lr 0.001,
# batch 32, relu, ReduceLROnPlateau(patience 10, factor 0.1),
# EarlyStopping(patience 40), regularizer none, initializer none (Keras
# default: Glorot uniform), dropout 0.2, batch norm no. The report's test
# scores: accuracy 12.65 %, recall 15.34 %, precision 13.96 %.
_base_ = ['ffnn_base.py']
model = dict(backbone=dict(model=1, dropout=0.2, init='glorot_uniform'))
train_cfg = dict(max_epochs=20)
param_scheduler = dict(patience=10)
default_hooks = dict(early_stopping=dict(patience=40))
report_scores = dict(acc=12.65, rec=15.34, prec=13.96)

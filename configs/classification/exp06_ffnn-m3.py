# Experiment 6 of the report (Table 3): FFNN model 3, 50 epochs, lr 0.01,
# batch 64, relu, ReduceLROnPlateau(patience 10, factor 0.1),
# EarlyStopping(patience 10), regularizer none, initializer none (Keras
# default: Glorot uniform), dropout 0, batch norm no. The report's test
# scores: accuracy 0.80 %, recall 8.33 %, precision 0.06 %.
_base_ = ['ffnn_base.py']
model = dict(backbone=dict(init='glorot_uniform'))
optim_wrapper = dict(optimizer=dict(lr=0.01))
train_dataloader = dict(batch_size=64)
param_scheduler = dict(patience=10)
report_scores = dict(acc=0.8, rec=8.33, prec=0.06)

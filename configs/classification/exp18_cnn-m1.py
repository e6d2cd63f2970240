# Experiment 18 of the report (Table 5): CNN model 1, 50 epochs, lr 0.1,
# batch 32, relu, ReduceLROnPlateau(patience 5, factor 0.1),
# EarlyStopping(patience 20), regularizer none, initializer none (Keras
# default: Glorot uniform), dropout 0, batch norm no. The report's test
# scores: accuracy 35.08 %, recall 28.05 %, precision 18.22 %.
_base_ = ['cnn_base.py']
model = dict(backbone=dict(model=1, init='glorot_uniform'))
optim_wrapper = dict(optimizer=dict(lr=0.1))
default_hooks = dict(early_stopping=dict(patience=20))
report_scores = dict(acc=35.08, rec=28.05, prec=18.22)

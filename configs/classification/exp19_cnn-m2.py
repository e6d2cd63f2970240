# Experiment 19 of the report (Table 5): CNN model 2, 50 epochs, lr 0.1,
# batch 16, relu, ReduceLROnPlateau(patience 5, factor 0.1),
# EarlyStopping(patience 20), regularizer none, initializer none (Keras
# default: Glorot uniform), dropout 0, batch norm no. The report's test
# scores: accuracy 40.90 %, recall 22.14 %, precision 18.25 %.
_base_ = ['cnn_base.py']
model = dict(backbone=dict(model=2, init='glorot_uniform'))
optim_wrapper = dict(optimizer=dict(lr=0.1))
train_dataloader = dict(batch_size=16)
default_hooks = dict(early_stopping=dict(patience=20))
report_scores = dict(acc=40.9, rec=22.14, prec=18.25)

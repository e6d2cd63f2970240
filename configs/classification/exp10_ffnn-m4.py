# Experiment 10 of the report (Table 3): FFNN model 4, 50 epochs, lr 0.1,
# batch 64, relu, ReduceLROnPlateau(patience 5, factor 0.1),
# EarlyStopping(patience 20), regularizer none, initializer he_uniform,
# dropout 0.2, batch norm yes. The report's test scores: accuracy 41.99 %,
# recall 28.93 %, precision 18.82 %.
_base_ = ['ffnn_base.py']
model = dict(backbone=dict(model=4, dropout=0.2, batch_norm=True))
optim_wrapper = dict(optimizer=dict(lr=0.1))
train_dataloader = dict(batch_size=64)
default_hooks = dict(early_stopping=dict(patience=20))
report_scores = dict(acc=41.99, rec=28.93, prec=18.82)

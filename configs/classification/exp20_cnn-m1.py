# Experiment 20 of the report (Table 5): CNN model 1, 50 epochs, lr 0.1,
# batch 16, relu, ReduceLROnPlateau(patience 5, factor 0.1),
# EarlyStopping(patience 20), regularizer none, initializer he_normal,
# dropout 0, batch norm no. The report's test scores: accuracy 37.52 %,
# recall 25.64 %, precision 20.92 %.
_base_ = ['cnn_base.py']
model = dict(backbone=dict(model=1, init='he_normal'))
optim_wrapper = dict(optimizer=dict(lr=0.1))
train_dataloader = dict(batch_size=16)
default_hooks = dict(early_stopping=dict(patience=20))
report_scores = dict(acc=37.52, rec=25.64, prec=20.92)

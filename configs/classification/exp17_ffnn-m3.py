# Experiment 17 of the report (Table 3): FFNN model 3, 50 epochs, lr 0.1,
# batch 64, relu, ReduceLROnPlateau(patience 5, factor 0.1),
# EarlyStopping(patience 20), regularizer L2(0.00001), initializer
# he_uniform, dropout 0.2, batch norm yes. The report's test scores: accuracy
# 45.89 %, recall 29.86 %, precision 19.61 %. The settings are experiment
# 16's (a rerun).
_base_ = ['exp16_ffnn-m3.py']
report_scores = dict(acc=45.89, rec=29.86, prec=19.61)

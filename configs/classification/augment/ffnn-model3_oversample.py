# FFNN model 3 with the report's offline oversampling: every chip of a class
# with fewer than max_per_class chips is added 7 more times (its flip and the
# 90/180/270 rotations of both), applied by OfflineGeometricAugment in the base
# pipeline.
_base_ = ['../ffnn_base.py']
train_dataloader = dict(dataset=dict(oversample=True))

# FFNN model 3 with the report's online augmentations: the pipeline of
# cnn-model6_online-augment.py on the feed-forward family's model
# (ffnn_base.py).
_base_ = ['cnn-model6_online-augment.py']
model = dict(backbone=dict(type='RecognitionFFNN', model=3))

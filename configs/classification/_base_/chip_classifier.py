# The report's classifiers: a backbone of one of its two families
# (ffnn_base.py, cnn_base.py) and a 12-way softmax, Keras' defaults for the
# rest.
model = dict(
    type='ChipClassifier',
    num_classes=12,
    backbone=dict(
        act='relu', dropout=0.0, batch_norm=False, init='he_uniform'
    ),
    # ('l1' | 'l2', factor): Keras' kernel_regularizer, a term added to the
    # loss on every kernel (not weight decay)
    weight_penalty=None,
    class_weights=None,
)

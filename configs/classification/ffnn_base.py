# The report's feed-forward family (Table 3): flatten -> dense layers -> 12-way
# softmax.
_base_ = ['_base_/recognition_data.py', '_base_/keras_schedule.py']
model = dict(
    type='ChipClassifier',
    num_classes=12,
    backbone=dict(
        type='RecognitionFFNN',
        model=3,
        act='relu',
        dropout=0.0,
        batch_norm=False,
        init='he_uniform',
    ),
    # ('l1' | 'l2', factor): Keras' kernel_regularizer, a term added to the
    # loss on every kernel (not weight decay)
    weight_penalty=None,
    class_weights=None,
)

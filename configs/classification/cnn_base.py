# The report's convolutional family (Table 5): 3x3 convolutions and max-pools,
# then FFNN model 4's dense layers (64, 32) and a 12-way softmax.
_base_ = ['_base_/recognition_data.py', '_base_/keras_schedule.py']
model = dict(
    type='ChipClassifier',
    num_classes=12,
    backbone=dict(
        type='RecognitionCNN',
        model=6,
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

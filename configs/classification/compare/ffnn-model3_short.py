# The short run of cnn-model6_short.py (same chips, 112-px input, BN, balanced
# class weights, schedule and seed) with FFNN model 3 (512-128-32) as the
# backbone.
_base_ = ['cnn-model6_short.py']
model = dict(
    backbone=dict(
        _delete_=True,
        type='RecognitionFFNN',
        model=3,
        input_size=(112, 112, 3),
        act='relu',
        dropout=0.0,
        batch_norm=True,
        init='he_uniform',
    )
)

# The report's convolutional family (Table 5): 3x3 convolutions and max-pools,
# then FFNN model 4's dense layers (64, 32) and a 12-way softmax.
_base_ = [
    '_base_/chip_classifier.py',
    '_base_/recognition_data.py',
    '_base_/keras_schedule.py',
]
model = dict(backbone=dict(type='RecognitionCNN', model=6))

# The report's feed-forward family (Table 3): flatten -> dense layers -> 12-way
# softmax.
_base_ = [
    '_base_/chip_classifier.py',
    '_base_/recognition_data.py',
    '_base_/keras_schedule.py',
]
model = dict(backbone=dict(type='RecognitionFFNN', model=3))

# CNN model 6 as a window classifier: 64-px chips, a 13th "Background" class
# of negative windows, valid convolutions (so that SlidingWindowDetector can
# run it fully convolutionally with the same scores as window by window), batch
# normalization and balanced class weights. Trained by
# sliding_window/cnn-model6_background_synthetic-xview.py, scanned over scenes
# by sliding_window/sliding-window_cnn-model6_synthetic-xview.py.
window_classifier = dict(
    type='ChipClassifier',
    num_classes=13,
    class_weights='balanced',
    weight_penalty=None,
    backbone=dict(
        type='RecognitionCNN',
        model=6,
        act='relu',
        dropout=0.0,
        batch_norm=True,
        init='he_uniform',
        input_size=(64, 64, 3),
        padding='valid',
    ),
)

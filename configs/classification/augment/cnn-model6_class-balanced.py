# CNN model 6 with class-balanced sampling instead of oversampling: every batch
# draws classes uniformly (mmdet's ClassAwareSampler over the dataset's
# get_cat_ids).
_base_ = ['../cnn_base.py']
train_dataloader = dict(
    sampler=dict(_delete_=True, type='ClassAwareSampler', num_sample_class=1)
)

import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import _load_checkpoint

from xview_plugins.utils import (
    UnsafeCheckpointError,
    resave_trusted,
    restore_message_hub,
    safe_load,
    to_plain,
)


def mmengine_like_checkpoint():
    buffer = HistoryBuffer()
    buffer.update(1.5)
    buffer.update(np.float64(2.5), 2)
    return dict(
        meta=dict(
            epoch=np.int64(3),
            lr=np.float64(0.1),
            dtype=np.dtype('float32'),
            palette=np.array([[1, 2, 3]]),
            classes=('a', 'b'),
        ),
        state_dict={'w': torch.ones(2)},
        message_hub=dict(
            log_scalars={'train/loss': buffer}, runtime_info={'iter': 7}
        ),
    )


def test_plain_checkpoints_load_with_weights_only(tmp_path):
    torch.save(to_plain(mmengine_like_checkpoint()), tmp_path / 'c.pth')
    loaded = torch.load(tmp_path / 'c.pth', weights_only=True)
    assert loaded['meta']['epoch'] == 3 and type(loaded['meta']['lr']) is float
    assert loaded['meta']['palette'] == [[1, 2, 3]]
    hub = restore_message_hub(loaded['message_hub'])
    restored = hub['log_scalars']['train/loss']
    assert isinstance(restored, HistoryBuffer)
    # stored and read back as they are: exact (assert_allclose's rtol 1e-7)
    np.testing.assert_allclose(restored.data[0], [1.5, 2.5])
    assert restored.data[1].tolist() == [1, 2]


def test_numpy_scalars_load_through_the_allow_list(tmp_path):
    torch.save(
        dict(
            meta=dict(epoch=np.int64(3), lr=np.float64(0.1)),
            state_dict={'w': torch.ones(2)},
        ),
        tmp_path / 'scalars.pth',
    )
    loaded = _load_checkpoint(str(tmp_path / 'scalars.pth'))
    assert loaded['meta']['epoch'] == 3 and loaded['meta']['lr'] == 0.1


def test_a_stock_mmengine_checkpoint_gets_a_clear_message_and_a_way_out(
    tmp_path,
):
    # numpy 2 pickles arrays (inside HistoryBuffer) through builtins.getattr:
    # refused.
    torch.save(mmengine_like_checkpoint(), tmp_path / 'stock.pth')
    with pytest.raises(
        UnsafeCheckpointError, match="stock.pth.*needs 'getattr'.*--trust"
    ):
        _load_checkpoint(str(tmp_path / 'stock.pth'))
    resave_trusted(str(tmp_path / 'stock.pth'), str(tmp_path / 'plain.pth'))
    loaded = torch.load(tmp_path / 'plain.pth', weights_only=True)
    assert loaded['meta']['epoch'] == 3


class Exploit:
    def __reduce__(self):
        import os

        return (os.system, ('touch EXPLOITED_MARKER',))


def test_malicious_pickle_is_refused_and_runs_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with open(tmp_path / 'evil.pth', 'wb') as f:
        pickle.dump({'state_dict': Exploit()}, f)
    with pytest.raises(
        UnsafeCheckpointError, match="evil.pth.*needs '(posix|os).system'"
    ):
        safe_load(str(tmp_path / 'evil.pth'))
    with pytest.raises(UnsafeCheckpointError):
        _load_checkpoint(
            str(tmp_path / 'evil.pth')
        )  # mmengine's loader goes through it too
    assert not (tmp_path / 'EXPLOITED_MARKER').exists()


def test_getattr_is_never_allowed(tmp_path):
    class UsesGetattr:
        def __reduce__(self):
            return (getattr, ('text', 'upper'))

    with open(tmp_path / 'g.pth', 'wb') as f:
        pickle.dump(UsesGetattr(), f)
    with pytest.raises(
        UnsafeCheckpointError, match="needs '(builtins.)?getattr'"
    ):
        safe_load(str(tmp_path / 'g.pth'))


def test_a_checkpoint_for_another_number_of_classes_is_refused():
    from xview_plugins.models import ChipClassifier
    from xview_plugins.utils import check_state_dict_fits

    backbone = dict(type='RecognitionFFNN', model=4, input_size=(8, 8, 3))
    twelve = ChipClassifier(backbone, num_classes=12).state_dict()
    thirteen = ChipClassifier(backbone, num_classes=13)
    with pytest.raises(
        ValueError,
        match=r'old.pth: .*head.weight is \(12, 32\) in the '
        r'checkpoint and \(13, 32\) in the model',
    ):
        check_state_dict_fits(thirteen, twelve, 'old.pth')
    check_state_dict_fits(
        ChipClassifier(backbone, num_classes=12),
        {f'module.{k}': v for k, v in twelve.items()},
        'ddp.pth',
    )

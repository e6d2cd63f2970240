import pytest

from xview_data.deprecation import renamed_setting
from xview_data.errors import InputError


def test_the_old_name_still_works_with_a_warning():
    with pytest.warns(FutureWarning, match='seed is deprecated, use split'):
        assert renamed_setting('D', 'seed', 'split_seed', 3, None) == 3


def test_the_new_name_is_silent_and_both_are_refused(recwarn):
    assert renamed_setting('D', 'seed', 'split_seed', None, 4) == 4
    assert not recwarn.list
    with pytest.raises(InputError, match='give only split_seed'):
        renamed_setting('D', 'seed', 'split_seed', 3, 4)

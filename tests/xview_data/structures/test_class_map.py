import json

import numpy as np
import pytest

from xview_data.structures import (
    BENCHMARK12,
    NOT_SCORED_TYPE_IDS,
    OFFICIAL_SCORER_SPLITS,
    XVIEW60,
    XVIEW_TYPE_NAMES,
    load_class_map,
)


def test_tables_match_the_reference(reference_dir):
    ref = json.loads((reference_dir / 'xview_classes.json').read_text())
    assert {
        int(k): v for k, v in ref['xview_type_ids'].items()
    } == XVIEW_TYPE_NAMES
    assert set(ref['not_scored_type_ids']) == NOT_SCORED_TYPE_IDS
    assert [c['type_id'] for c in ref['seed_12_classes']] == list(
        BENCHMARK12.type_ids
    )
    assert [c['name'] for c in ref['seed_12_classes']] == list(
        BENCHMARK12.names
    )
    assert {
        k: tuple(v) for k, v in ref['official_scorer_splits'].items()
    } == OFFICIAL_SCORER_SPLITS
    assert len(XVIEW60) == 60


def test_load_class_map_variants(tmp_path):
    assert load_class_map('benchmark12') is BENCHMARK12
    assert load_class_map('XVIEW60') is XVIEW60
    (tmp_path / 'list.json').write_text('[18, 73]')
    assert load_class_map(tmp_path / 'list.json').names == (
        'Small Car',
        'Building',
    )
    (tmp_path / 'dict.json').write_text('{"73": "house", "18": "car"}')
    cmap = load_class_map(str(tmp_path / 'dict.json'))
    assert cmap.type_ids == (73, 18) and cmap.index_of == {73: 0, 18: 1}
    (tmp_path / 'entries.json').write_text('[{"type_id": 91}]')
    assert load_class_map(tmp_path / 'entries.json').names == (
        'Shipping Container',
    )


def test_lookup_table_maps_type_ids_to_indices():
    lut = BENCHMARK12.lookup_table()
    assert lut[18] == 2 and lut[91] == 11 and lut[17] == -1
    np.testing.assert_array_equal(
        lut[list(BENCHMARK12.type_ids)], np.arange(12)
    )


def test_bad_class_maps_are_reported(tmp_path):
    with pytest.raises(ValueError, match='neither'):
        load_class_map('seed13')
    (tmp_path / 'bad.json').write_text('[{"name": "x"}]')
    with pytest.raises(ValueError, match='bad.json'):
        load_class_map(tmp_path / 'bad.json')
    with pytest.raises(ValueError, match='duplicate'):
        load_class_map([18, 18])


def test_background_class_comes_last_with_type_id_zero():
    with_bg = load_class_map('benchmark12+background')
    assert (
        with_bg.type_ids == BENCHMARK12.type_ids + (0,)
        and with_bg.names[-1] == 'Background'
    )
    assert with_bg.with_background() is with_bg
    assert (
        with_bg.lookup_table()[0] == 12
        and with_bg.lookup_table()[18] == BENCHMARK12.index_of[18]
    )


def test_the_old_name_of_the_benchmark_map_still_loads():
    from xview_data.structures import BENCHMARK12, load_class_map

    assert load_class_map('seed12') is BENCHMARK12
    assert load_class_map('seed12+background') == load_class_map(
        'benchmark12+background'
    )

import numpy as np
import pytest

from tests.conftest import write_tif
from xview_data.imagery import (
    ImageReadError,
    image_size,
    read_image,
    to_uint8_3ch,
)


@pytest.mark.parametrize(
    'bands, dtype',
    [
        (1, 'uint8'),
        (3, 'uint8'),
        (4, 'uint8'),
        (8, 'uint16'),
        (3, 'uint16'),
        (2, 'float32'),
    ],
)
def test_any_band_count_and_dtype_becomes_3_channel_uint8(
    tmp_path, bands, dtype
):
    path = write_tif(tmp_path / 'x.tif', 40, 30, bands, dtype)
    img = read_image(path)
    assert img.shape == (30, 40, 3) and img.dtype == np.uint8
    assert image_size(path) == (40, 30)


def test_rule_is_documented_behaviour():
    gray = np.full((1, 2, 2), 7, np.uint8)
    assert (to_uint8_3ch(gray) == 7).all()
    rgb = np.stack([np.full((2, 2), v, np.uint8) for v in (10, 20, 30)])
    assert to_uint8_3ch(rgb, channel_order='bgr')[0, 0].tolist() == [
        30,
        20,
        10,
    ]
    assert to_uint8_3ch(rgb, channel_order='rgb')[0, 0].tolist() == [
        10,
        20,
        30,
    ]
    wide = np.stack(
        [np.linspace(0, 65535, 100, dtype=np.uint16).reshape(10, 10)] * 3
    )
    assert to_uint8_3ch(wide, stretch='dtype').max() == 255
    stretched = to_uint8_3ch(wide)  # 2nd..98th percentile -> 0..255
    assert stretched.min() == 0 and stretched.max() == 255
    eight = np.arange(8)[:, None, None] * np.ones((8, 2, 2), np.uint8)
    assert to_uint8_3ch(
        eight.astype(np.uint8), bands=(5, 3, 2), channel_order='rgb'
    )[0, 0].tolist() == [4, 2, 1]


def test_windows_read_only_part_and_pad_past_the_border(tmp_path):
    path = write_tif(tmp_path / 'x.tif', 50, 40)
    full = read_image(path)
    np.testing.assert_array_equal(
        read_image(path, (10, 5, 20, 15)), full[5:20, 10:30]
    )
    padded = read_image(path, (40, 30, 20, 20))
    assert padded.shape == (20, 20, 3)
    np.testing.assert_array_equal(padded[:10, :10], full[30:40, 40:50])
    assert (padded[10:, :] == 0).all()


def test_truncated_and_missing_files_are_named(tmp_path):
    path = write_tif(tmp_path / 'x.tif', 64, 64)
    data = path.read_bytes()
    (tmp_path / 'cut.tif').write_bytes(data[: len(data) // 3])
    with pytest.raises(ImageReadError, match='cut.tif'):
        read_image(tmp_path / 'cut.tif')
    with pytest.raises(ImageReadError, match='does not exist'):
        read_image(tmp_path / 'absent.tif')
    (tmp_path / 'junk.tif').write_bytes(b'not an image at all')
    with pytest.raises(ImageReadError, match='junk.tif'):
        read_image(tmp_path / 'junk.tif')


def test_a_window_holds_the_scenes_pixels_whatever_the_fourth_band(tmp_path):
    """GDAL reads a 4-band uint8 GeoTIFF's last band as alpha; a windowed read
    with a fill value then zeroed every pixel whose band 4 is 0. A window,
    inside the scene or past its edge, holds the whole read's pixels (zeros
    outside)."""
    import numpy as np

    from tests.conftest import noise_scene
    from xview_data.imagery import read_image

    scene = noise_scene(tmp_path / 'rgbn.tif', 150, 100, bands=4)
    whole = read_image(scene, bands=(4, 2, 1))
    assert (whole[..., 2] == 0).any()  # band 4 has zeros
    inside = read_image(scene, (10, 20, 64, 64), bands=(4, 2, 1))
    assert np.array_equal(inside, whole[20:84, 10:74])
    edge = read_image(scene, (120, 80, 64, 64), bands=(4, 2, 1))
    assert np.array_equal(edge[:20, :30], whole[80:, 120:])
    assert not edge[20:].any() and not edge[:, 30:].any()


def test_a_picture_of_a_big_scene_does_not_hold_its_pixels(tmp_path):
    """Read at a small size, a scene larger than memory should allow costs
    little: GDAL's block cache (5 % of the RAM by default) would otherwise
    keep every block it averaged, here the whole 108 MB scene."""
    import subprocess
    import sys

    import rasterio

    side = 6000
    path = tmp_path / 'big.tif'
    profile = dict(driver='GTiff', width=side, height=side, count=3)
    profile.update(dtype='uint8', tiled=True, blockxsize=512, blockysize=512)
    rng = np.random.default_rng(0)
    with rasterio.open(path, 'w', **profile) as dst:
        for y in range(0, side, 1000):
            dst.write(
                rng.integers(0, 256, (3, 1000, side), np.uint8),
                window=rasterio.windows.Window(0, y, side, 1000),
            )
    code = (
        'from xview_data.imagery import read_image\n'
        'def peak():\n'
        '    for line in open("/proc/self/status"):\n'
        '        if line.startswith("VmHWM"):\n'
        '            return int(line.split()[1]) / 1024\n'
        'before = peak()\n'
        f'read_image({str(path)!r}, out_size=(512, 512))\n'
        'print(peak() - before)\n'
    )
    out = subprocess.run(
        [sys.executable, '-c', code], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert float(out.stdout) < 60  # MB


def expected_stretch(values: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """The rule written out for one band: 2nd..98th percentile of the valid
    pixels to 0..255, rounded half up, invalid pixels 0. (float32 round-off
    in the percentiles' interpolation, which numpy orders differently for one
    band and for several, can move a value lying at a half by one level.)"""
    low, high = np.percentile(values[valid].astype(np.float32), [2, 98])
    scaled = (values.astype(np.float32) - low) / max(high - low, 1e-6)
    scaled = np.where(valid, scaled, 0)
    return (np.clip(scaled, 0, 1) * 255 + 0.5).astype(np.uint8)


def close(got: np.ndarray, expected: np.ndarray) -> bool:
    """Equal up to one level where float32 round-off meets a half (see
    :func:`expected_stretch`); the 1st percentile for the 2nd moves the
    darker values by several."""
    return bool((np.abs(got.astype(int) - expected.astype(int)) <= 1).all())


def test_the_percentile_stretch_follows_the_rule():
    rng = np.random.default_rng(0)
    band = rng.gamma(2.0, 300.0, (64, 64)).astype(np.float32)
    got = to_uint8_3ch(np.stack([band] * 3), channel_order='rgb')[..., 0]
    assert close(got, expected_stretch(band, np.ones_like(band, bool)))


@pytest.mark.parametrize('kind', ['nan', 'nodata'])
def test_nan_and_nodata_pixels_are_left_out_and_read_as_zero(
    tmp_path, kind, caplog
):
    import rasterio

    rng = np.random.default_rng(1)
    data = rng.gamma(2.0, 300.0, (3, 512, 512)).astype(np.float32)
    holes = np.zeros((512, 512), bool)
    holes.flat[rng.choice(512 * 512, 100, replace=False)] = True
    data[:, holes] = np.nan if kind == 'nan' else -9999.0
    path = tmp_path / 'float.tif'
    with rasterio.open(
        path, 'w', driver='GTiff', width=512, height=512, count=3,
        dtype='float32', nodata=-9999.0 if kind == 'nodata' else None,
    ) as dst:  # fmt: skip
        dst.write(data)
    with caplog.at_level('WARNING', logger='xview_data.imagery'):
        image = read_image(path, channel_order='rgb')
    assert image.max() > 0  # not blacked out
    for c in range(3):
        assert close(image[..., c], expected_stretch(data[c], ~holes))
    assert '100 of 262144 pixels are NaN or nodata' in caplog.text
    # the same stretch-free rule for the windows of a streamed scene
    window = read_image(path, window=(0, 0, 64, 64), stretch='dtype')
    assert (window[holes[:64, :64]] == 0).all()


@pytest.mark.parametrize('interleave', ['pixel', 'band'])
@pytest.mark.parametrize('compress', [None, 'deflate'])
@pytest.mark.parametrize('bands', [None, (4, 2, 1), (3, 3, 1)])
@pytest.mark.parametrize('channel_order', ['bgr', 'rgb'])
def test_uint8_reads_straight_into_the_layout_give_the_general_pixels(
    tmp_path, interleave, compress, bands, channel_order
):
    """The fast path (GDAL reads the planes, through a memory map where
    the raster is uncompressed, OpenCV interleaves them in the channel order
    asked) gives the pixels of the rule applied to the plain read: whole,
    inside, across every border and wholly outside."""
    import rasterio

    rng = np.random.default_rng(0)
    data = rng.integers(0, 256, (4, 50, 70), dtype=np.uint8)
    path = tmp_path / f'{interleave}.tif'
    with rasterio.open(
        path, 'w', driver='GTiff', width=70, height=50, count=4,
        dtype='uint8', interleave=interleave,
        **(dict(compress=compress) if compress else {}),
    ) as dst:  # fmt: skip
        dst.write(data)
    whole = to_uint8_3ch(data, bands, channel_order=channel_order)
    assert np.array_equal(
        read_image(path, bands=bands, channel_order=channel_order), whole
    )
    padded = np.zeros((50 + 80, 70 + 80, 3), np.uint8)
    padded[40:90, 40:110] = whole
    for x, y, w, h in [(5, 6, 20, 30), (-7, -3, 30, 20), (60, 45, 25, 9),
                       (-10, -10, 100, 80), (200, 10, 8, 8)]:  # fmt: skip
        got = read_image(
            path, (x, y, w, h), bands, channel_order=channel_order
        )
        expected = (
            padded[y + 40 : y + 40 + h, x + 40 : x + 40 + w]
            if x < 110 and y < 90
            else np.zeros((h, w, 3), np.uint8)
        )
        assert got.flags.c_contiguous and np.array_equal(got, expected)


def test_rasters_stay_open_for_windows_bounded_and_never_stale(tmp_path):
    """Window reads reuse an open handle (at most OPEN_FILES per thread,
    the oldest closed first); a file changed on disk is opened again."""
    import os

    from xview_data import imagery

    imagery.close_open_files()
    paths = [
        write_tif(tmp_path / f'{k}.tif', 20, 10)
        for k in range(imagery.OPEN_FILES + 2)
    ]
    for path in paths:
        read_image(path, (0, 0, 5, 5))
    cache = imagery._shared.files
    assert len(cache) == imagery.OPEN_FILES
    kept = [src.name for src in cache.values()]
    assert kept == [str(p) for p in paths[2:]]
    first = read_image(paths[-1], (0, 0, 5, 5))
    data = np.full((3, 10, 20), 7, np.uint8)
    from tests.conftest import write_raster

    os.remove(paths[-1])
    write_raster(paths[-1], data)
    again = read_image(paths[-1], (0, 0, 5, 5))
    assert not np.array_equal(first, again) and (again == 7).all()
    imagery.close_open_files()
    assert not imagery._shared.files


def test_a_forked_worker_opens_its_own_rasters(tmp_path):
    import multiprocessing

    path = write_tif(tmp_path / 'x.tif', 20, 10)
    expected = read_image(path, (2, 3, 6, 4))  # kept open in this process
    with multiprocessing.get_context('fork').Pool(1) as pool:
        got = pool.apply(read_image, (path, (2, 3, 6, 4)))
    assert np.array_equal(got, expected)


def test_window_reads_honour_side_car_files(tmp_path):
    """The folder is not listed when a raster opens for windows, yet its
    .aux.xml (here a nodata value) still counts."""
    from xview_data import imagery

    imagery.close_open_files()
    data = np.full((3, 10, 20), 60000, np.uint16)
    data[:, :, :10] = 50000
    from tests.conftest import write_raster

    path = write_raster(tmp_path / 'x.tif', data)
    (tmp_path / 'x.tif.aux.xml').write_text(
        '<PAMDataset>'
        + ''.join(
            f'<PAMRasterBand band="{b}"><NoDataValue>50000</NoDataValue>'
            '</PAMRasterBand>'
            for b in (1, 2, 3)
        )
        + '</PAMDataset>'
    )
    window = read_image(path, (0, 0, 20, 10), stretch='dtype')
    assert (window[:, :10] == 0).all() and (window[:, 10:] > 0).all()
    imagery.close_open_files()

"""GeoTIFF access with rasterio: sizes, windows, and the 3-channel uint8 rule.

The rule that turns any raster into a 3-channel uint8 image (documented in the
README):

* bands: ``bands`` (1-based) picks them, default the first three; a 1-band
  image is repeated to three channels, a 2-band image gets its first band
  repeated as the third.
* values: uint8 is kept; any other dtype is stretched per band linearly so that
  the 2nd percentile maps to 0 and the 98th to 255 (``stretch='percentile'``),
  or divided by the dtype's maximum (``stretch='dtype'``; floats are taken as
  0..1).
* invalid pixels: a pixel that is NaN or infinite, or equals its band's nodata
  value, in any of the chosen bands, takes no part in the stretch and is read
  as 0 in all three channels.
* order: RGB from the file, returned as BGR by default to match mmcv's
  ``imread``.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
import threading
import warnings
from collections import OrderedDict
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np

from .errors import InputError

PathLike = Union[str, Path]


logger = logging.getLogger(__name__)


class ImageReadError(InputError):
    """An image that cannot be read; the message names the file and the
    reason."""


# MB of GDAL block cache while a read runs: a tile window of a striped scene
# needs its strips, a few MB
READ_CACHE_MB = 32
# rasters kept open for window reads (training reads many windows of a few
# scenes; opening one costs about a millisecond): per process and thread
# (GDAL handles are neither fork- nor thread-safe), the least recently used
# closed first
OPEN_FILES = 8
# How a raster is opened for window reads. An uncompressed GeoTIFF (xView's)
# is read through a memory map: a window is copied out of the page cache in
# one pass instead of strip by strip through GDAL's block cache (twice as
# fast); compressed files read as before. GDAL does not list the folder (847
# scenes: half the time of an open) but looks for each side-car file (.aux.xml,
# .msk, .ovr) by name, so that they still count.
WINDOW_READ_OPTIONS = dict(
    GTIFF_VIRTUAL_MEM_IO='IF_ENOUGH_RAM', GDAL_DISABLE_READDIR_ON_OPEN='TRUE'
)
_shared = threading.local()


def _open_for_windows(path: PathLike):
    """A handle of ``path`` kept open for the windows that follow (see
    :data:`OPEN_FILES`): reopened when the file changed on disk, dropped
    unclosed in a forked child (its parent's handles are not its own)."""
    cache = getattr(_shared, 'files', None)
    if cache is None or _shared.pid != os.getpid():
        cache = _shared.files = OrderedDict()
        _shared.pid = os.getpid()
    try:
        stat = os.stat(path)
    except OSError:
        return _open(path)  # the error is _open's to name
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    src = cache.pop(key, None)
    if src is None:
        src = _open(path, WINDOW_READ_OPTIONS)
        while len(cache) >= OPEN_FILES:
            cache.popitem(last=False)[1].close()
    cache[key] = src
    return src


def close_open_files() -> None:
    """Close the rasters this thread keeps open for window reads."""
    cache = getattr(_shared, 'files', None)
    if cache and _shared.pid == os.getpid():
        for src in cache.values():
            src.close()
        cache.clear()


def _open(path: PathLike, options: Optional[dict] = None):
    """``path`` opened by rasterio (GDAL ``options`` in force while it opens);
    a file that cannot be opened is an :class:`ImageReadError` naming it."""
    import rasterio
    from rasterio.errors import RasterioIOError

    try:
        with rasterio.Env(**(options or {})), warnings.catch_warnings():
            warnings.simplefilter(
                'ignore', category=rasterio.errors.NotGeoreferencedWarning
            )
            return rasterio.open(path)
    except RasterioIOError as err:
        if not Path(path).exists():
            raise ImageReadError(f'{path}: image file does not exist') from err
        raise ImageReadError(
            f'{path}: not a readable raster image ({err})'
        ) from err


def _tiff_header_size(path: PathLike) -> Optional[tuple[int, int]]:
    """(width, height) from a TIFF's first IFD, or None if the file is not a
    plain TIFF.

    Reading two tags directly is ~20x faster than opening the file with an
    image library, which matters when sizing the 847 scenes of xView in a
    conversion."""
    import struct

    with open(path, 'rb') as f:
        head = f.read(16)
        if len(head) < 8 or head[:2] not in (b'II', b'MM'):
            return None
        order = '<' if head[:2] == b'II' else '>'
        magic = struct.unpack(order + 'H', head[2:4])[0]
        if magic == 42:
            f.seek(struct.unpack(order + 'I', head[4:8])[0])
            count_fmt, entry_size, value_at = 'H', 12, 8
        elif magic == 43 and len(head) == 16:
            f.seek(struct.unpack(order + 'Q', head[8:16])[0])
            count_fmt, entry_size, value_at = 'Q', 20, 12
        else:
            return None
        count_size = struct.calcsize(count_fmt)
        count = struct.unpack(order + count_fmt, f.read(count_size))[0]
        entries = f.read(count * entry_size)
    found = {}
    for k in range(min(count, len(entries) // entry_size)):
        entry = entries[k * entry_size : (k + 1) * entry_size]
        tag, kind = struct.unpack(order + 'HH', entry[:4])
        if tag in (256, 257):
            fmt = {3: 'H', 4: 'I', 16: 'Q'}.get(kind)
            if fmt is None:
                return None
            found[tag] = struct.unpack(
                order + fmt, entry[value_at : value_at + struct.calcsize(fmt)]
            )[0]
    if 256 in found and 257 in found:
        return int(found[256]), int(found[257])
    return None


def image_size(path: PathLike) -> tuple[int, int]:
    """(width, height) from the file header, without reading pixels."""
    try:
        size = _tiff_header_size(path)
        if size:
            return size
    except OSError as err:
        raise ImageReadError(
            f'{path}: cannot open image ({err.strerror})'
        ) from err
    try:
        from PIL import Image

        Image.MAX_IMAGE_PIXELS = None  # satellite scenes are legitimately huge
        with Image.open(path) as im:
            return im.size
    except (
        Exception
    ):  # PIL lacks many GeoTIFF layouts (uint16, 8 bands): ask rasterio
        with _open(path) as src:
            return src.width, src.height


def invalid_pixels(
    data: np.ndarray, nodata: Optional[Sequence] = None
) -> Optional[np.ndarray]:
    """(H, W) mask of the pixels of (bands, H, W) ``data`` that hold no
    measurement: NaN or infinite, or equal to their band's ``nodata`` value
    (one per band, None where unset), in any band; None when every pixel is
    valid."""
    invalid = np.zeros(data.shape[1:], bool)
    if data.dtype.kind == 'f':
        invalid |= ~np.isfinite(data).all(axis=0)
    for band, value in zip(data, nodata or ()):
        if value is not None and not np.isnan(value):
            invalid |= band == value
    return invalid if invalid.any() else None


def to_uint8_3ch(
    data: np.ndarray,
    bands: Optional[Sequence[int]] = None,
    stretch: str = 'percentile',
    channel_order: str = 'bgr',
    nodata: Optional[Sequence] = None,
) -> np.ndarray:
    """(bands, H, W) raster values -> (H, W, 3) uint8 following the module's
    rule; ``nodata``: each band's nodata value (None where unset)."""
    return _to_uint8_3ch(data, bands, stretch, channel_order, nodata)[0]


def _to_uint8_3ch(
    data: np.ndarray,
    bands: Optional[Sequence[int]],
    stretch: str,
    channel_order: str,
    nodata: Optional[Sequence],
) -> tuple[np.ndarray, int]:
    """:func:`to_uint8_3ch` and the number of invalid pixels."""
    if data.ndim == 2:
        data = data[None]
    if bands:
        idx = [b - 1 for b in bands]
        if max(idx) >= data.shape[0] or min(idx) < 0:
            raise ImageReadError(
                f'bands {list(bands)} requested from a {data.shape[0]}-band'
                ' image'
            )
        data = data[idx]
        nodata = [nodata[i] for i in idx] if nodata else None
    if data.shape[0] == 1:
        data = np.repeat(data, 3, axis=0)
    elif data.shape[0] == 2:
        data = np.concatenate([data, data[:1]], axis=0)
    data = data[:3]
    invalid = invalid_pixels(data, nodata[:3] if nodata else None)
    if data.dtype != np.uint8:
        data = _stretch(data, stretch, invalid)
    if invalid is not None:
        data = np.where(invalid, np.uint8(0), data)
    img = np.ascontiguousarray(data.transpose(1, 2, 0))
    if channel_order == 'bgr':
        img = np.ascontiguousarray(img[..., ::-1])
    elif channel_order != 'rgb':
        raise ValueError(
            f"channel_order must be 'bgr' or 'rgb', not {channel_order!r}"
        )
    return img, 0 if invalid is None else int(invalid.sum())


def _stretch(
    data: np.ndarray, stretch: str, invalid: Optional[np.ndarray] = None
) -> np.ndarray:
    """Values to uint8 by ``stretch``, the percentiles taken over the valid
    pixels only (``invalid``: the mask of the others)."""
    values = data.astype(np.float32)
    if stretch == 'dtype':
        top = (
            np.iinfo(data.dtype).max
            if np.issubdtype(data.dtype, np.integer)
            else 1.0
        )
        scaled = values / top
    elif stretch == 'percentile':
        flat = values.reshape(values.shape[0], -1)
        if invalid is not None:
            flat = flat[:, ~invalid.ravel()]
        if not flat.shape[1]:  # nothing valid: every pixel becomes 0
            return np.zeros(data.shape, np.uint8)
        low = np.percentile(flat, 2, axis=1)[:, None, None]
        high = np.percentile(flat, 98, axis=1)[:, None, None]
        scaled = (values - low) / np.maximum(high - low, 1e-6)
    else:
        raise ValueError(
            f"stretch must be 'percentile' or 'dtype', not {stretch!r}"
        )
    return (np.clip(np.nan_to_num(scaled), 0, 1) * 255 + 0.5).astype(np.uint8)


def _read_uint8_bgr(
    src,
    window: Optional[tuple[int, int, int, int]],
    bands: Optional[Sequence[int]],
    channel_order: str,
) -> Optional[np.ndarray]:
    """The common case read straight into the (H, W, 3) layout the pipeline
    wants: three or more uint8 bands without nodata, no stretch to compute.
    GDAL reads the bands as planes into one array and OpenCV interleaves
    them in the channel order asked. (Asked to write an interleaved array
    itself, GDAL goes pixel by pixel, twice the time, and through a memory
    map it writes wrong pixels: tested.) The pixels of the general path,
    without its copies (band order, interleaving); None when the case does
    not apply."""
    import cv2

    indexes = list(bands) if bands else [1, 2, 3]
    if (
        channel_order not in ('bgr', 'rgb')
        or len(indexes) != 3
        or min(indexes) < 1
        or max(indexes) > src.count
        or any(src.dtypes[i - 1] != 'uint8' for i in indexes)
        or any(src.nodatavals[i - 1] is not None for i in indexes)
    ):
        return None
    if channel_order == 'bgr':
        indexes = indexes[::-1]
    planes = (
        src.read(indexes=indexes)
        if window is None
        else _read_window(src, window, indexes)
    )
    return cv2.merge(list(planes))


def _read_window(
    src, window: tuple[int, int, int, int], indexes: Optional[list] = None
) -> np.ndarray:
    """The ``(x, y, width, height)`` window of the bands ``indexes`` (None:
    all) as (bands, H, W): the part inside the raster read plainly, in zeros
    (a boundless read with a fill value would also fill what GDAL masks,
    e.g. every pixel whose 4th band, taken for alpha, is 0). A window wholly
    inside is GDAL's array itself."""
    from rasterio.windows import Window

    x, y, w, h = (int(v) for v in window)
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + w, src.width), min(y + h, src.height)
    if (x0, y0, x1, y1) == (x, y, x + w, y + h):
        return src.read(indexes=indexes, window=Window(x, y, w, h))
    count = src.count if indexes is None else len(indexes)
    dtype = src.dtypes[(indexes or [1])[0] - 1]
    data = np.zeros((count, h, w), dtype)
    if x1 > x0 and y1 > y0:
        data[:, y0 - y : y1 - y, x0 - x : x1 - x] = src.read(
            indexes=indexes, window=Window(x0, y0, x1 - x0, y1 - y0)
        )
    return data


def image_dtype(path: PathLike) -> str:
    """The data type of the raster's first band (``'uint8'``, ...), from the
    header."""
    with _open(path) as src:
        return src.dtypes[0]


def read_image(
    path: PathLike,
    window: Optional[tuple[int, int, int, int]] = None,
    bands: Optional[Sequence[int]] = None,
    stretch: str = 'percentile',
    channel_order: str = 'bgr',
    out_size: Optional[tuple[int, int]] = None,
) -> np.ndarray:
    """Read a raster (or the window ``(x, y, width, height)`` of it, padded
    with zeros where it passes the border) as (H, W, 3) uint8; with
    ``out_size`` ``(width, height)`` the whole raster averaged down to that
    size as it is read (a picture of a huge scene without holding it)."""
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.errors import RasterioError

    # GDAL's block cache (5 % of the RAM by default) would keep every block a
    # picture of a huge scene averages: pixels go straight to the array
    # a window of a raster kept open (training tiles, streamed scenes); a
    # whole read opens and closes it
    opened = (
        contextlib.nullcontext(_open_for_windows(path))
        if window is not None and out_size is None
        else _open(path)
    )
    with rasterio.Env(GDAL_CACHEMAX=READ_CACHE_MB), opened as src:
        try:
            if out_size is not None:
                data = src.read(
                    out_shape=(src.count, int(out_size[1]), int(out_size[0])),
                    resampling=Resampling.average,
                )
            elif (
                fast := _read_uint8_bgr(src, window, bands, channel_order)
            ) is not None:
                return fast
            elif window is None:
                data = src.read()
            else:
                data = _read_window(src, window)
            nodata = src.nodatavals
        except RasterioError as err:
            raise ImageReadError(
                f'{path}: cannot read pixels ({err}); the file may be '
                'truncated or corrupt'
            ) from err
    image, invalid = _to_uint8_3ch(data, bands, stretch, channel_order, nodata)
    if invalid:
        # a whole scene says so; the windows of a streamed one would say it
        # per tile
        logger.log(
            logging.DEBUG if window is not None else logging.WARNING,
            '%s: %d of %d pixels are NaN or nodata: left out of the stretch'
            ' and read as 0',
            path,
            invalid,
            image.shape[0] * image.shape[1],
        )
    return image


def geotransform(path: PathLike):
    """The file's affine pixel -> CRS transform and its CRS (None, None if
    absent). A CRS without a geotransform (GDAL then reports the identity,
    pixels as degrees or metres from the origin) is no georeference either:
    None, None and a warning, never made-up coordinates."""
    with _open(path) as src:
        if src.crs is None:
            return None, None
        if src.transform.is_identity:
            logger.warning(
                '%s: a CRS (%s) but no geotransform: its boxes get no'
                ' coordinates (null geometry)',
                path,
                src.crs,
            )
            return None, None
        return src.transform, src.crs


def write_geotiff(
    path: PathLike, image_bgr: np.ndarray, transform=None, crs=None
) -> None:
    """Write an (H, W, 3) BGR uint8 image as an RGB GeoTIFF (georeferenced if
    given)."""
    import rasterio

    rgb = image_bgr[..., ::-1].transpose(2, 0, 1)
    profile = dict(
        driver='GTiff',
        width=rgb.shape[2],
        height=rgb.shape[1],
        count=3,
        dtype='uint8',
    )
    if transform is not None and crs is not None:
        profile.update(transform=transform, crs=crs)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter(
                'ignore', category=rasterio.errors.NotGeoreferencedWarning
            )
            with rasterio.open(path, 'w', **profile) as dst:
                dst.write(rgb)
    except rasterio.errors.RasterioIOError as err:
        # GDAL reports a failed write without an errno: a full disk is told
        # apart by the space left, so that the tools can say what to do
        if shutil.disk_usage(Path(path).parent).free < rgb.nbytes:
            raise OSError(
                errno.ENOSPC, os.strerror(errno.ENOSPC), str(path)
            ) from err
        raise

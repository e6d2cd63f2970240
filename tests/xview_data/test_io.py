"""Files and folders the package writes get the permissions plain open() /
mkdir would."""

import os
import stat

import pytest

from xview_data.io import atomic_write, staged_directory


@pytest.mark.parametrize(
    'umask, file_mode, dir_mode',
    [(0o022, 0o644, 0o755), (0o077, 0o600, 0o700), (0o002, 0o664, 0o775)],
)
def test_written_files_and_staged_folders_follow_the_umask(
    tmp_path, umask, file_mode, dir_mode
):
    previous = os.umask(umask)
    try:
        with atomic_write(tmp_path / 'a.txt') as f:
            f.write('x')
        with staged_directory(tmp_path / 'out') as stage:
            (stage / 'b.txt').write_text('y')
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / 'a.txt').stat().st_mode) == file_mode
    assert stat.S_IMODE((tmp_path / 'out').stat().st_mode) == dir_mode


def test_out_that_is_a_file_or_a_symlink_is_refused(tmp_path):
    (tmp_path / 'file').write_text('x')
    (tmp_path / 'target').mkdir()
    (tmp_path / 'link').symlink_to(tmp_path / 'target')
    for name in ('file', 'link'):
        with pytest.raises(FileExistsError, match='not a folder'):
            with staged_directory(tmp_path / name, overwrite=True):
                pass
    assert (tmp_path / 'file').read_text() == 'x' and (
        tmp_path / 'link'
    ).is_symlink()


@pytest.mark.parametrize(
    'chunks',
    [[], [[]], [[1, 'a'], [], [{'b': [2.5, None]}]], [[{'x': '"],['}]]],
)
@pytest.mark.parametrize('in_document', [False, True])
def test_a_list_written_in_chunks_is_the_bytes_of_one_encoding(
    chunks, in_document
):
    """One chunk's encoding at a time, the bytes msgspec gives for the
    whole."""
    import io

    import msgspec

    from xview_data.io import write_json_streamed

    items = [item for chunk in chunks for item in chunk]
    document = (
        dict(type='X', features='[]', after=[1]) if in_document else None
    )
    out = io.BytesIO()
    count = write_json_streamed(
        out, iter(chunks), document, 'features' if in_document else None
    )
    whole = items if document is None else dict(document, features=items)
    assert out.getvalue() == msgspec.json.encode(whole)
    assert count == len(items)

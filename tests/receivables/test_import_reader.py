"""Reading import files: encoding detection, physical line numbers, the file's hash."""

from __future__ import annotations

import hashlib

import pytest

from civicdesk.receivables.importers.reader import BLOCK_SIZE, Source, detect_encoding


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("税目,氏名\n国保,山田\n".encode("cp932"), "cp932"),
        ("税目,氏名\n国保,山田\n".encode(), "utf-8"),
        (b"\xef\xbb\xbf" + "税目\n".encode(), "utf-8"),
        (b"revenue_type,name\nnhi,Yamada\n", "utf-8"),
        (b"", "utf-8"),
    ],
)
def test_encoding_is_detected(tmp_path, data, expected):
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    assert detect_encoding(path) == expected


def test_detection_looks_past_a_long_ascii_start(tmp_path):
    path = tmp_path / "f.csv"
    ascii_part = b"revenue_type,name\n" + b"nhi,Yamada\n" * (BLOCK_SIZE // 10)
    path.write_bytes(ascii_part + "国保,山田\n".encode("cp932"))
    assert detect_encoding(path) == "cp932"


def test_rows_carry_physical_line_numbers_and_the_hash(tmp_path):
    data = b'a,b\r\n1,"two\r\nlines"\r\n\r\n3,4\r\n5,6'
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    source = Source(path, encoding="utf-8")
    rows = list(source.rows())
    assert rows == [(1, ["a", "b"]), (2, ["1", "two\r\nlines"]), (5, ["3", "4"]), (6, ["5", "6"])]
    assert source.sha256 == hashlib.sha256(data).hexdigest()


def test_the_bom_is_not_part_of_the_first_header(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "税目,氏名\n".encode())
    assert next(Source(path, encoding="utf-8").rows()) == (1, ["税目", "氏名"])


def test_undecodable_lines_are_remembered_and_reading_goes_on(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(b"a\n" + "山田\n".encode("cp932") + b"b\n")
    source = Source(path, encoding="utf-8")
    rows = list(source.rows())
    assert [line for line, _ in rows] == [1, 2, 3]
    assert list(source.bad_lines) == [2]


def test_progress_reports_bytes_read(tmp_path):
    path = tmp_path / "f.csv"
    # Two blocks' worth of bytes in 64-byte lines (bytes are what progress counts).
    path.write_bytes((b"a," + b"b" * 61 + b"\n") * (BLOCK_SIZE // 32))
    seen = []
    list(
        Source(path, encoding="utf-8", progress=lambda done, size: seen.append((done, size))).rows()
    )
    assert seen[-1] == (path.stat().st_size, path.stat().st_size)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)

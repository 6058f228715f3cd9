"""Reading an import file as a stream of rows, each with its physical line number.

The encoding is UTF-8 (with or without BOM) or CP932, told by the first line that is not plain
ASCII (normally the Japanese header); ``--encoding`` overrides. The file is read in blocks of a
megabyte and never held whole. A line that cannot be decoded is reported with its number and
read with replacement characters, so the rest of the file is still checked.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from pathlib import Path

from civicdesk.receivables.importers.mapping import Mapping

BLOCK_SIZE = 1 << 20
ENCODINGS = {"utf-8": "utf-8", "utf8": "utf-8", "utf-8-sig": "utf-8", "cp932": "cp932"}
ENCODINGS |= {"shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "ms932": "cp932"}
ENCODING_LABELS = {"utf-8": "UTF-8", "cp932": "CP932（Shift_JIS）"}
_NON_ASCII = re.compile(rb"[\x80-\xff]")


class UnreadableFile(Exception):
    """The file cannot be read on from this line (e.g. a quote that is never closed)."""

    def __init__(self, line: int, reason: str):
        super().__init__(reason)
        self.line = line
        self.reason = reason


def encoding_name(value: str) -> str:
    """The codec for an --encoding value; ValueError (Japanese) for anything else."""
    found = ENCODINGS.get(value.strip().lower())
    if found is None:
        raise ValueError(f"文字コードは cp932 または utf-8 を指定してください: {value}")
    return found


def detect_encoding(path: Path) -> str:
    """utf-8 or cp932: a BOM, else how the first line with a non-ASCII byte decodes."""
    with path.open("rb") as stream:
        buffer = stream.read(BLOCK_SIZE)
        if buffer.startswith(codecs.BOM_UTF8):
            return "utf-8"
        while True:
            match = _NON_ASCII.search(buffer)
            if match is None:
                more = stream.read(BLOCK_SIZE)
                if not more:
                    return "utf-8"
                buffer = buffer[buffer.rfind(b"\n") + 1 :] + more
                continue
            start = buffer.rfind(b"\n", 0, match.start()) + 1
            end = buffer.find(b"\n", match.start())
            if end == -1:
                more = stream.read(BLOCK_SIZE)
                if more:
                    buffer = buffer[start:] + more
                    continue
                end = len(buffer)
            try:
                buffer[start:end].decode("utf-8")
            except UnicodeDecodeError:
                return "cp932"
            return "utf-8"


class Source:
    """One import file: its rows with line numbers, SHA-256, and the lines it could not decode.

    ``rows()`` yields the header first (for fixed-width files: the mapping's names, line 0)
    and then every non-blank row as ``(line, fields)``. ``bad_lines`` maps a line number to
    the reason it could not be decoded; ``sha256`` is complete once ``rows()`` is exhausted.
    """

    def __init__(
        self,
        path: Path,
        *,
        encoding: str,
        mapping: Mapping | None = None,
        progress: Callable[[int, int], None] | None = None,
    ):
        self.path = path
        self.encoding = encoding
        self.mapping = mapping
        self.size = path.stat().st_size
        self.bad_lines: dict[int, str] = {}
        self._digest = hashlib.sha256()
        self._progress = progress
        self.last_line = 0

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        if self.mapping is not None and self.mapping.format == "fixed_width":
            return self._fixed_width_rows()
        return self._csv_rows()

    # --- blocks of whole lines ----------------------------------------------------------------

    def _blocks(self) -> Iterator[tuple[int, bytes]]:
        """(number of lines before the block, bytes of whole lines), BOM removed."""
        done = 0
        lines_before = 0
        pending = b""
        with self.path.open("rb") as stream:
            while chunk := stream.read(BLOCK_SIZE):
                self._digest.update(chunk)
                if done == 0 and chunk.startswith(codecs.BOM_UTF8):
                    chunk = chunk[len(codecs.BOM_UTF8) :]
                done += len(chunk)
                data = pending + chunk
                cut = data.rfind(b"\n") + 1
                if cut == 0:
                    pending = data
                    continue
                block, pending = data[:cut], data[cut:]
                yield lines_before, block
                lines_before += block.count(b"\n")
                if self._progress is not None:
                    self._progress(done, self.size)
        if pending:
            yield lines_before, pending

    def _decode(self, block: bytes, lines_before: int) -> str:
        try:
            return block.decode(self.encoding)
        except UnicodeDecodeError:
            pass
        lines = block.split(b"\n")
        for offset, line in enumerate(lines):
            try:
                line.decode(self.encoding)
            except UnicodeDecodeError:
                self.bad_lines[lines_before + offset + 1] = self._undecodable()
        return block.decode(self.encoding, errors="replace")

    def _undecodable(self) -> str:
        label = ENCODING_LABELS[self.encoding]
        return (
            f"文字コード {label} として読めないバイトがあります"
            "（別の文字コードの行が混じっていないか確認してください）"
        )

    # --- CSV ------------------------------------------------------------------------------------

    def _texts(self) -> Iterator[Iterable[str]]:
        for lines_before, block in self._blocks():
            yield io.StringIO(self._decode(block, lines_before), newline="\n")

    def _csv_rows(self) -> Iterator[tuple[int, list[str]]]:
        delimiter = self.mapping.delimiter if self.mapping else ","
        skip = self.mapping.skip_lines if self.mapping else 0
        reader = csv.reader(chain.from_iterable(self._texts()), delimiter=delimiter)
        previous = 0
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise UnreadableFile(
                    previous + 1, f"CSV として読めません（引用符の閉じ忘れなど）: {error}"
                ) from None
            line, previous = previous + 1, reader.line_num
            self.last_line = previous
            # Blank lines, and the ",,,," rows a spreadsheet leaves below the data.
            if line <= skip or not fields or (not fields[0] and not "".join(fields).strip()):
                continue
            yield line, fields

    # --- fixed width ------------------------------------------------------------------------

    def _fixed_width_rows(self) -> Iterator[tuple[int, list[str]]]:
        mapping = self.mapping
        yield 0, [field.header for field in mapping.fields]
        for lines_before, block in self._blocks():
            for offset, raw in enumerate(block.split(b"\n")):
                line = lines_before + offset + 1
                raw = raw.rstrip(b"\r")
                if line <= mapping.skip_lines or not raw.strip():
                    continue
                self.last_line = line
                yield line, self._slice(line, raw)

    def _slice(self, line: int, raw: bytes) -> list[str]:
        if self.mapping.unit == "chars":
            try:
                text = raw.decode(self.encoding)
            except UnicodeDecodeError:
                self.bad_lines[line] = self._undecodable()
                text = raw.decode(self.encoding, errors="replace")
            return [text[f.start - 1 : f.start - 1 + f.length] for f in self.mapping.fields]
        fields = []
        for field in self.mapping.fields:
            piece = raw[field.start - 1 : field.start - 1 + field.length]
            try:
                fields.append(piece.decode(self.encoding))
            except UnicodeDecodeError:
                self.bad_lines[line] = self._undecodable()
                fields.append(piece.decode(self.encoding, errors="replace"))
        return fields

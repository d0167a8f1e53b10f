"""Files: uploads, the files the server knows, photos as Telegram describes them."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import Final

from fakebotapi.constants import JSONDict


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def make_png(width: int = 1, height: int = 1) -> bytes:
    """A valid, fully transparent RGBA PNG of the given size (for ``sendPhoto`` tests)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    raw = b"".join(b"\x00" + b"\x00" * (4 * width) for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


#: A 1x1 PNG; ``sendPhoto`` rejects bytes that are not an image, like Telegram does.
TINY_PNG: Final = make_png()


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) if ``data`` looks like an image Telegram accepts as a photo."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data.startswith((b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM")) or (
        data.startswith(b"RIFF") and data[8:12] == b"WEBP"
    ):
        return 800, 600  # dimensions of non-PNG images are not decoded
    return None


@dataclass
class UploadedFile:
    """One file part of a multipart request."""

    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class StoredFile:
    """A file the fake server knows (uploaded by the bot or referenced by URL)."""

    file_id: str
    file_unique_id: str
    kind: str  # "photo" or "document"
    data: bytes | None  # None when the bot sent a URL: the fake does not download it
    file_name: str | None = None
    mime_type: str | None = None
    source_url: str | None = None
    width: int = 0
    height: int = 0
    file_path: str | None = None

    @property
    def file_size(self) -> int | None:
        return None if self.data is None else len(self.data)


def media_json(stored: StoredFile) -> JSONDict:
    if stored.kind == "photo":
        sizes: list[JSONDict] = []
        width, height = stored.width, stored.height
        if max(width, height) > 90:
            scale = 90 / max(width, height)
            sizes.append(
                {
                    "file_id": f"{stored.file_id}_s",
                    "file_unique_id": f"{stored.file_unique_id}_s",
                    "width": max(1, round(width * scale)),
                    "height": max(1, round(height * scale)),
                }
            )
        full: JSONDict = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "width": width,
            "height": height,
        }
        if stored.file_size is not None:
            full["file_size"] = stored.file_size
        sizes.append(full)
        return {"photo": sizes}
    document: JSONDict = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
    if stored.file_name:
        document["file_name"] = stored.file_name
    if stored.mime_type:
        document["mime_type"] = stored.mime_type
    if stored.file_size is not None:
        document["file_size"] = stored.file_size
    return {"document": document}

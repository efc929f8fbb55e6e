"""--encoding: the name of a character encoding text files are written in (checked by
`load` before any file is read, and by the sniffer for each file)."""

from __future__ import annotations

import codecs

from salesfunnel.errors import UsageError

# codecs Python counts as text encodings that do not read a file of text: they encode
# domain names (punycode, idna), refuse everything (undefined) or read backslash escapes
NOT_FILE_ENCODINGS = {"punycode", "idna", "undefined", "unicode-escape", "raw-unicode-escape"}


def check_encoding(requested: str) -> str:
    """--encoding: the codec's name, or a UsageError naming the option when it is not a
    character encoding a text file can be written in (load checks it before any file)."""
    try:
        info = codecs.lookup(requested)
    except (LookupError, ValueError):  # ValueError: a name with a NUL byte
        raise UsageError(
            f"Unknown encoding {requested!r} for --encoding (try utf-8, utf-16, cp1252, "
            "gb18030, big5)."
        ) from None
    sample = "id,name\r\n1,Ann\n"
    try:
        reads_text = sample.encode(info.name).decode(info.name) == sample
    except (UnicodeError, LookupError, TypeError):
        reads_text = False
    if not getattr(info, "_is_text_encoding", True) or info.name.replace("_", "-") \
            in NOT_FILE_ENCODINGS or not reads_text:  # rot13, base64, zlib, punycode, ...
        raise UsageError(
            f"--encoding {requested!r} is not a text encoding of files (it transforms bytes "
            "or text, or encodes no file); name the character encoding of the files: utf-8, "
            "utf-16, cp1252, ..."
        )
    return info.name

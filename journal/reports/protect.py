"""Password-protected PDFs (AES-256, via pypdf): Qt's PDF writer cannot encrypt.

A PDF viewer asks for the password before showing anything. The password is used
once to encrypt and is kept nowhere.
"""

from __future__ import annotations

import io


def protect_pdf(data: bytes, password: str) -> bytes:
    """``data`` (a whole PDF) encrypted with ``password`` (AES-256; printing allowed)."""
    from pypdf import PdfReader, PdfWriter

    if not password:
        raise ValueError("a PDF password must not be empty")
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=password, owner_password=None, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()

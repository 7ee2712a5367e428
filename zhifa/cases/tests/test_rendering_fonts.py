"""A PDF is refused, saying what is wrong, when the fonts shipped with the code are missing or broken: WeasyPrint
would otherwise print empty boxes without a word (issue 13 §1; the server's own fonts are never used)."""

import pytest

from zhifa.cases import rendering
from zhifa.cases.errors import CaseErrorCode
from zhifa.core import fonts
from zhifa.core.errors import ZhifaError


@pytest.mark.req("REC-02")
def test_a_missing_or_broken_font_file_refuses_the_pdf_and_names_it(monkeypatch, tmp_path):
    pointer = tmp_path / "ZhifaHanExt-Regular.woff2"  # what a checkout without Git LFS leaves behind
    pointer.write_text("version https://git-lfs.github.com/spec/v1\noid sha256:1e4a\nsize 14021960\n")
    monkeypatch.setitem(fonts.FACES, fonts.SERIF, tmp_path / "ZhifaSerifSC-Regular.woff2")
    monkeypatch.setitem(fonts.FACES, fonts.EXTENSION, pointer)

    with pytest.raises(ZhifaError) as refused:
        rendering.html_to_pdf("<p>行政处罚决定书</p>")  # every PDF the product prints goes through here

    assert refused.value.code == CaseErrorCode.RENDERING_UNAVAILABLE
    assert refused.value.message == ("文书字体文件（zhifa/core/fonts）缺失或损坏：缺少 ZhifaSerifSC-Regular.woff2；"
                                     "ZhifaHanExt-Regular.woff2 不是完整的 WOFF2 字体文件，无法生成 PDF 文书。")


def test_the_shipped_fonts_pass_the_check():
    assert fonts.problems() == []
    rendering._require_fonts()  # raises nothing

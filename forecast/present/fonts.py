"""The CJK font: Chinese charts drawn with Noto Sans CJK SC, Chinese pages carrying the glyphs
they use.

The font comes from the package registry (``noto-cjk-sans-otc``: the Noto Sans CJK
OpenType collection, SIL Open Font License), so the two README commands install it and no
system font is needed.

* :func:`translate_figure` puts every text drawn in a chart into the current language and
  draws the Chinese ones with this font (:func:`forecast.present.figure` calls it);
* :func:`use_for_charts` registers it with matplotlib and puts it after the house font in
  ``font.family``: Latin letters and digits keep DejaVu Sans, Chinese characters fall back
  to Noto Sans CJK SC glyph by glyph, so no character is drawn as a box.
* :func:`webfont_css` returns an ``@font-face`` rule embedding a subset of the font holding
  exactly the characters of a page (as a ``data:`` URI, so the page stays one file that a
  reader without Chinese fonts can open); a page of a few hundred distinct characters adds
  roughly 100-300 kB.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import re

__all__ = ["FAMILY", "WEB_FAMILY", "font_path", "use_for_charts", "translate_figure",
           "webfont_css", "cjk_characters"]

#: the face of the collection used for Simplified Chinese
FAMILY = "Noto Sans CJK SC"
#: the family name of the embedded subset in pages
WEB_FAMILY = "CF Noto Sans SC"
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")


@functools.lru_cache(maxsize=1)
def font_path() -> str:
    """Path of the Noto Sans CJK collection (``.ttc``); FileNotFoundError naming the package."""
    try:
        import noto_cjk_sans_otc
    except ImportError as err:
        raise FileNotFoundError("the CJK font package noto-cjk-sans-otc is not installed "
                                "(pip install noto-cjk-sans-otc, or make setup)") from err
    return str(noto_cjk_sans_otc.FONT_PATH)


def use_for_charts() -> None:
    """Register the CJK font with matplotlib and add it as the fallback of the house font."""
    from matplotlib import font_manager, rcParams

    path = font_path()
    if not any(f.fname == path for f in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(path)
    families = [f for f in rcParams["font.family"] if f != FAMILY]
    if families == ["sans-serif"]:
        families = ["DejaVu Sans"]
    rcParams["font.family"] = families + [FAMILY]


def translate_figure(fig) -> None:
    """Translate every text drawn in ``fig`` (titles, axis labels, tick labels that are words,
    legends, annotations) into the current language, and draw Chinese with the CJK font.

    Texts without a catalog entry (publisher or model names, numbers) stay as they are.
    """
    from matplotlib import rcParams
    from matplotlib.text import Text

    from forecast.i18n import gettext

    use_for_charts()
    families = list(rcParams["font.family"])
    for artist in fig.findobj(Text):
        original = artist.get_text()
        if original and original.strip():
            shown = gettext(original)
            if shown != original:
                artist.set_text(shown)
            if cjk_characters(shown):
                artist.set_fontfamily(families)


def cjk_characters(text: str) -> str:
    """The distinct CJK characters and full-width punctuation of ``text``, sorted."""
    return "".join(sorted(set(_CJK.findall(text))))


@functools.lru_cache(maxsize=64)
def _subset(characters: str) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTCollection

    collection = TTCollection(font_path(), lazy=True)
    face = next(f for f in collection.fonts if FAMILY in str(f["name"].getDebugName(1)))
    options = subset.Options()
    options.flavor = "woff"  # zlib only: no brotli needed
    options.layout_features = []  # the SC face's default glyphs are the Simplified forms
    options.hinting = False  # a third smaller, a third faster; browsers hardly use CFF hints
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters)
    subsetter.subset(face)
    out = io.BytesIO()
    face.flavor = "woff"
    face.save(out)
    return out.getvalue()


def webfont_css(text: str) -> str:
    """An ``@font-face`` rule embedding the glyphs of ``text``'s CJK characters ("" if none).

    Pages put :data:`WEB_FAMILY` first in their ``font-family``; its ``unicode-range`` is the
    CJK blocks, so Latin letters and digits keep the reader's system font.
    """
    characters = cjk_characters(text)
    if not characters:
        return ""
    data = _subset(characters)
    digest = hashlib.sha256(data).hexdigest()[:12]
    # first in the stack with a CJK unicode-range (Chromium drew some CJK text as boxes when
    # the face was only a fallback after the system font); bold is synthesized from it
    return ("@font-face{font-family:\"%s\";src:url(data:font/woff;base64,%s) format(\"woff\");"
            "font-display:block;unicode-range:U+2E80-9FFF,U+F900-FAFF,"
            "U+FF00-FFEF}/* subset %s, %d characters */"
            % (WEB_FAMILY, base64.b64encode(data).decode("ascii"), digest, len(characters)))

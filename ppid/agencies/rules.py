"""Pure rules of an agency's official online channels (issue #19 section 1, issue #18 section
2): which platforms there are, and whether a URL is a page of the platform it claims.

No app, no database: the hosts each platform may be on come in as an argument (the
setting SOCIAL_PLATFORM_HOSTS of ppid/config.py).
"""
import re
from urllib.parse import urlsplit, urlunsplit

from flask_babel import lazy_gettext as _l

from ppid.core.enums import LabelledEnum

URL_LIMIT = 1000
HANDLE_LIMIT = 100
CHANNELS_PER_AGENCY = 30
_HANDLE = re.compile(r"@?[A-Za-z0-9][A-Za-z0-9._-]{0,98}")


class Platform(LabelledEnum):
    """An official online channel of an agency: its website, a social-media account, a
    WhatsApp channel, or another platform (any public web address)."""

    WEBSITE = "website", _l("Situs web")
    INSTAGRAM = "instagram", _l("Instagram")
    FACEBOOK = "facebook", _l("Facebook")
    X = "x", _l("X (Twitter)")
    YOUTUBE = "youtube", _l("YouTube")
    TIKTOK = "tiktok", _l("TikTok")
    WHATSAPP = "whatsapp", _l("Saluran WhatsApp")
    LAINNYA = "lainnya", _l("Platform lain")


PLATFORMS = tuple(Platform)
# Platforms whose address is on any host (a website, another platform); the others must be
# on their platform's own hosts.
ANY_HOST = (Platform.WEBSITE, Platform.LAINNYA)
SOCIAL_MEDIA = tuple(p for p in PLATFORMS if p is not Platform.WEBSITE)

DEFAULT_PLATFORM_HOSTS = {
    Platform.INSTAGRAM.value: ["instagram.com"],
    Platform.FACEBOOK.value: ["facebook.com", "fb.com", "fb.me"],
    Platform.X.value: ["x.com", "twitter.com"],
    Platform.YOUTUBE.value: ["youtube.com", "youtu.be"],
    Platform.TIKTOK.value: ["tiktok.com"],
    Platform.WHATSAPP.value: ["whatsapp.com"],
}


class ChannelError(ValueError):
    """An unusable channel; ``message`` is lazily translated, ``field`` the form field."""

    def __init__(self, message, field="url"):
        super().__init__(str(message))
        self.message = message
        self.field = field


def _host_matches(host, allowed):
    host = host.lower().rstrip(".")
    return any(host == h or host.endswith("." + h) for h in allowed)


def check_channel_url(platform, url, hosts) -> str:
    """The channel's URL, normalised (https:// added when no scheme is given, the host in
    lower case), or ChannelError: not a web address, too long, or (for a social-media
    platform) not on that platform's hosts (``hosts``: platform code -> host names)."""
    platform = Platform.get(platform)
    if platform is None:
        raise ChannelError(_l("Pilih platform dari daftar."), "platform")
    value = (url or "").strip()
    if not value:
        raise ChannelError(_l("Isi alamat kanal (URL)."))
    if len(value) > URL_LIMIT:
        raise ChannelError(_l("Alamat kanal paling panjang %(n)d karakter.", n=URL_LIMIT))
    if any(c.isspace() or ord(c) < 32 for c in value):
        raise ChannelError(_l("Alamat kanal tidak boleh berisi spasi."))
    if "://" not in value:
        if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:(?!\d)", value):
            raise ChannelError(_l("Alamat kanal harus alamat web (http:// atau https://)."))
        value = "https://" + value
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise ChannelError(_l("Alamat kanal tidak valid.")) from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ChannelError(_l("Alamat kanal harus alamat web (http:// atau https://)."))
    host = (parts.hostname or "").lower()
    if "." not in host or parts.username or parts.password:
        raise ChannelError(_l("Alamat kanal tidak valid: tidak ada nama situs yang publik."))
    if platform not in ANY_HOST:
        allowed = hosts.get(platform.value) or []
        if not _host_matches(host, allowed):
            raise ChannelError(_l("Alamat %(platform)s harus di %(hosts)s.",
                                  platform=platform.label, hosts=", ".join(allowed) or "–"))
    # No user or password is allowed, so the whole netloc is the host (and port): lower case.
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query,
                       parts.fragment))


def check_handle(handle):
    """The account's name as shown (e.g. @dinkeskalbar), or None; ChannelError when it is
    not a platform's kind of name."""
    value = (handle or "").strip()
    if not value:
        return None
    if len(value) > HANDLE_LIMIT or not _HANDLE.fullmatch(value):
        raise ChannelError(_l("Nama akun hanya huruf, angka, titik, garis bawah dan tanda "
                              "hubung, boleh diawali @ (paling panjang %(n)d karakter).",
                              n=HANDLE_LIMIT), "handle")
    return value


def channels_in_use(channels, is_failing):
    """(website in use, [social-media channels in use]) of an agency's channels: a channel
    counts unless ``is_failing(channel)`` (the link checker's last answer was no answer or
    an error)."""
    websites = [c for c in channels if c.platform == Platform.WEBSITE and not is_failing(c)]
    social = [c for c in channels if c.platform != Platform.WEBSITE and not is_failing(c)]
    return bool(websites), social

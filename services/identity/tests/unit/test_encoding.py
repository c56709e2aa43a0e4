import pytest

from identity.domain.encoding import b64_decode_lenient, b64url_encode


def test_round_trip_without_padding():
    for n in range(0, 40):
        data = bytes(range(n))
        text = b64url_encode(data)
        assert "=" not in text and "+" not in text and "/" not in text
        assert b64_decode_lenient(text) == data


def test_standard_padded_and_url_safe_forms_decode_alike():
    data = b"\xfb\xff\xfe\x00"
    assert b64_decode_lenient("+//+AA==") == b64_decode_lenient("-__-AA") == bytes([0xfb, 0xff, 0xfe, 0])
    assert b64_decode_lenient(b64url_encode(data)) == data


@pytest.mark.parametrize("text", ["a", "ab$c", "ab c d", "Zm9v\x00", "Zm9v!", "五六七八", None])
def test_garbage_raises_value_error(text):
    with pytest.raises(ValueError):
        b64_decode_lenient(text)

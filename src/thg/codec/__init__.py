"""The ``.thm`` talking-head codec: one key frame plus quantised per-frame motion (see :mod:`thg.codec.format`)."""

from thg.codec.format import Header, StreamError
from thg.codec.stream import EncodeConfig, MotionDecoder, MotionEncoder, decode_to_video, encode_frames, encode_video

__all__ = ["EncodeConfig", "Header", "MotionDecoder", "MotionEncoder", "StreamError", "decode_to_video",
           "encode_frames", "encode_video"]

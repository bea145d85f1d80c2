#!/usr/bin/env bash
# Makes the compressed-audio fixtures from one known signal: 1.5 s of a 440 Hz sine at amplitude 0.5,
# 22.05 kHz stereo (left = right). Run once with python3, lame, oggenc (vorbis-tools) and flac; the
# outputs are committed. Tests check duration, rate, channels and that the tone is still 440 Hz.
set -euo pipefail
cd "$(dirname "$0")"
python3 - <<'PY'
import math, struct, wave
rate, seconds = 22050, 1.5
frames = b"".join(struct.pack("<hh", v, v) for v in
                  (int(round(0.5 * 32767 * math.sin(2 * math.pi * 440 * i / rate))) for i in range(int(rate * seconds))))
with wave.open("tone440.wav", "wb") as w:
    w.setnchannels(2); w.setsampwidth(2); w.setframerate(rate); w.writeframes(frames)
PY
lame --quiet -b 128 tone440.wav tone440.mp3
oggenc --quiet -q 5 -o tone440.ogg tone440.wav
flac --silent -f -o tone440.flac tone440.wav
rm tone440.wav

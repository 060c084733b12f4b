#!/bin/sh
# Renders the checked-in PNG app icons from the SVG (needs rsvg-convert, Debian: librsvg2-bin).
set -eu
cd "$(dirname "$0")/../resources/icons"
for size in 16 32 48 64 128 256; do
    rsvg-convert -w "$size" -h "$size" org.microgridconsole.Console.svg \
        -o "org.microgridconsole.Console-$size.png"
done

"""Image files for upload tests: plain ones, and JPEGs carrying GPS data and an orientation."""

import io

from PIL import Image, TiffImagePlugin

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def image_bytes(fmt="JPEG", size=(64, 48), color=(200, 30, 30), **save_options):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt, **save_options)
    return buffer.getvalue()


def jpeg_with_gps_and_orientation(size=(64, 48)):
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # stored sideways; viewers rotate it 90 degrees clockwise
    exif[0x010F] = "Example Camera Maker"
    exif.get_ifd(GPS_IFD).update(
        {
            1: "N",
            2: (TiffImagePlugin.IFDRational(48), TiffImagePlugin.IFDRational(51), 0),
            3: "E",
            4: (TiffImagePlugin.IFDRational(2), TiffImagePlugin.IFDRational(21), 0),
        }
    )
    return image_bytes("JPEG", size, exif=exif.tobytes())

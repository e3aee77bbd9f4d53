"""The de-identification check (``pacscan deid``, ``pacscan cloud ... --deid-sample N``): a bounded
sample of image objects, read only as far as their DICOM header or photo metadata, becomes
``imaging.object`` resources whose facts are attribute names, counts and flags. Needs the
``dicom`` extra (pydicom, Pillow).

    sources.py        the object-source seam and local files; ``split_url``
    cloud_sources.py  S3 and Cloud Storage: paginated listing, ranged reads of the first bytes
    header.py         DICOM header -> identifying attribute names, dates, private tags, flags
    exif.py           photo EXIF -> GPS present, identifying tag names
    collector.py      sampling, bounded growing reads, resources
    marked.py         ``cloud --deid-sample``: the buckets the ``deidentified_data`` parameter marks
"""

from scanner.collectors.deid.collector import DeidCollector, DeidOptions
from scanner.collectors.deid.sources import LocalSource, ObjectRef, ObjectSource, split_url

__all__ = ["DeidCollector", "DeidOptions", "LocalSource", "ObjectRef", "ObjectSource", "split_url"]

"""Primavera P6 XML (PMXML) through MPXJ: the MS Project XML of exports/mspdi.py, read by MPXJ
and written by its P6 writer, so P6 gets the same live schedule (links with lags, "start no
earlier than" only where a delivery or date holds a task, resources and calendars, our task id
as a user-defined field). MPXJ is Java reached through JPype: an optional extra, checked before
a solve starts."""

from __future__ import annotations

import tempfile
from pathlib import Path

from .atomic import ExportError, write_atomic
from .mspdi import mspdi_text

NEEDS = ("--pmxml needs MPXJ and a Java runtime (11 or later): pip install 'rackplan[p6]' and "
         "install Java, or export --mspdi and import that into P6")


def check_mpxj() -> None:
    """ExportError (one line, with the fix) unless MPXJ's P6 writer can run here."""
    _classes()


def pmxml_text(doc: dict) -> str:
    reader, writer = _classes()
    with tempfile.TemporaryDirectory(prefix="rackplan-pmxml-") as folder:
        source, target = Path(folder) / "schedule.xml", Path(folder) / "schedule.pmxml"
        source.write_text(mspdi_text(doc, doc.get("calendars")), encoding="utf-8")
        writer().write(reader().read(str(source)), str(target))
        return target.read_text(encoding="utf-8")


def write_pmxml(doc: dict, path) -> None:
    write_atomic(path, pmxml_text(doc).encode("utf-8"))


def _classes():
    try:
        import jpype
        import mpxj  # noqa: F401  (puts MPXJ's jars on JPype's class path)
    except ImportError:
        raise ExportError(NEEDS) from None
    if not jpype.isJVMStarted():
        try:
            jpype.startJVM()
        except Exception as exc:  # noqa: BLE001 - JPype raises its own kinds for a missing JVM
            raise ExportError(f"{NEEDS} ({type(exc).__name__})") from None
    import jpype.imports  # noqa: F401  (makes the Java packages importable)

    try:  # MPXJ 14 moved its packages from net.sf.mpxj to org.mpxj
        from org.mpxj.primavera import PrimaveraPMFileWriter  # type: ignore[import-not-found]
        from org.mpxj.reader import UniversalProjectReader  # type: ignore[import-not-found]
    except ImportError:
        from net.sf.mpxj.primavera import PrimaveraPMFileWriter  # type: ignore
        from net.sf.mpxj.reader import UniversalProjectReader  # type: ignore
    return UniversalProjectReader, PrimaveraPMFileWriter

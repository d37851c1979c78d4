"""Writers of schedules: terminal text, JSON (and, later, xlsx and friends). Only here is openpyxl."""

from .loading import LoadGeoTIFFFromFile

__all__ = ['LoadGeoTIFFFromFile']

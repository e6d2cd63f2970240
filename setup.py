from setuptools import find_packages, setup

setup(
    name='xview-plugins',
    version='0.1.0',
    description='OpenMMLab-style plugins for classification and detection on xView imagery',
    python_requires='>=3.10',
    packages=find_packages(include=['xview_data', 'xview_data.*', 'xview_plugins',
                                    'xview_plugins.*']),
    install_requires=['numpy>=2', 'msgspec', 'shapely>=2', 'rasterio', 'opencv-python',
                      'pyyaml', 'tqdm', 'pillow'],
    extras_require={'mm': ['torch==2.13.0', 'mmcv==2.1.0', 'mmengine==0.10.7', 'mmdet==3.3.0',
                           'pycocotools', 'matplotlib']},
)

"""Install gss: ``pip install -e .`` (after ``pip install -r requirements.txt``)."""
import os.path as osp

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def read_requirements(path: str) -> list:
    with open(osp.join(HERE, path)) as f:
        return [line.split('#')[0].strip() for line in f
                if line.split('#')[0].strip() and not line.startswith('-r')]


setup(
    name='gss',
    version='0.1.0',
    description='Generative semantic segmentation (GSS, GMMSeg, ProtoSeg) on MMSegmentation 1.x',
    long_description=open(osp.join(HERE, 'README.md')).read(),
    long_description_content_type='text/markdown',
    packages=find_packages(include=['gss', 'gss.*']),
    python_requires='>=3.9',
    install_requires=read_requirements('requirements/runtime.txt'),
    extras_require={'tests': read_requirements('requirements/tests.txt')},
    license='Apache-2.0',
)

_base_ = './reconstruction_maskige-vqvae_camvid-360x480.py'
# OpenAI's dVAE; make the checkpoint with tools/model_converters/dalle_to_gss.py (docs/vqvae.md).
model = dict(vqvae=dict(_delete_=True, type='DalleVQVAE',
                        checkpoint='{{ fileDirname }}/../../../checkpoints/dalle_dvae.pth'))

-- GPU servers (dcgm-exporter, nvidia_gpu_exporter) report the NVIDIA driver instead of JetPack/L4T.
ALTER TABLE board ADD COLUMN driver_version TEXT;

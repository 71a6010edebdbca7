using System;

namespace Hoist
{
    /// <summary>
    /// Persistent storage shared by the workers of the service, for example <c>[Volume("models", "/models", Size = "100Gi")]</c>.
    /// In a pod it is the PersistentVolumeClaim <see cref="Name"/> (ReadWriteMany, as Kubetorch's volumes), mounted at
    /// <see cref="Path"/>; on the local backend a folder per app and volume that every replica shares. The method finds
    /// it in both with <c>HoistVolumes.PathOf("models")</c> (the variable <c>HOIST_VOLUME_MODELS</c>). Repeatable.
    /// </summary>
    [AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class VolumeAttribute : Attribute
    {
        /// <param name="name">The volume, a DNS-1123 label such as "models"; services naming the same volume share it.</param>
        /// <param name="path">Where a pod mounts it, an absolute path such as "/models".</param>
        public VolumeAttribute(string name, string path)
        {
            Name = name;
            Path = path;
        }

        public string Name { get; }

        public string Path { get; }

        /// <summary>The claim's size, a Kubernetes quantity such as "100Gi"; 10Gi when unset.</summary>
        public string? Size { get; set; }

        /// <summary>The claim's StorageClass; the cluster's default when unset.</summary>
        public string? StorageClass { get; set; }
    }
}

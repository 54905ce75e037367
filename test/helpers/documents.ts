/** Small documents the end-to-end tests share: an Ubuntu 24.04 snapshot and a recipe whose one constraint it passes. */
export const SNAPSHOT_UBUNTU_2404 = `apiVersion: aicr.nvidia.com/v1alpha1
kind: Snapshot
measurements:
  - type: OS
    subtypes:
      - subtype: release
        data: {ID: ubuntu, VERSION_ID: "24.04"}
`;

export const RECIPE_UBUNTU_2404 = `apiVersion: aicr.nvidia.com/v1alpha1
kind: RecipeResult
constraints:
  - name: OS.release.VERSION_ID
    value: "24.04"
`;

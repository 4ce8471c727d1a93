import { expect, test } from '@playwright/test';
import { trainToDone, waitReady } from './helpers';

test('trains mlp1 on WebGPU from a URL and reaches a test accuracy above 80%', async ({ page }) => {
  await page.goto('/?model=mlp1&trainSize=2000&testSize=1000&epochs=1&backend=webgpu');
  await expect(page.getByTestId('backend')).toHaveText('webgpu', { timeout: 90_000 });
  await expect(page.getByTestId('backend-adapter')).toContainText('SwiftShader');
  await expect(page.getByTestId('param-count')).toHaveAttribute('data-count', '79510');
  await waitReady(page);
  await trainToDone(page, 150_000);
  const accuracy = Number(await page.getByTestId('test-accuracy').textContent());
  expect(accuracy).toBeGreaterThan(80);
  expect(accuracy).toBeLessThanOrEqual(100);
  await expect(page.getByTestId('result-details')).toContainText('1,000 test images');
  await page.getByTestId('view-curves').click();
  await expect(page.getByTestId('loss-chart')).toBeVisible();
});

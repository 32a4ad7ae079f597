// The device jobs Function App, its storage (reached by a user-assigned managed identity), Application Insights,
// the Key Vault holding JOBS_ACCESS_POLICIES and, when chosen, a Durable Task Scheduler.
param environmentName string
param location string
param tags object
@allowed(['FlexConsumption', 'Premium'])
param hostingPlan string
@allowed(['AzureStorage', 'DurableTaskScheduler'])
param durableBackend string
@secure()
param jobsAccessPolicies string
param principalId string
@minValue(1)
param maxActiveJobs int

var token = toLower(uniqueString(subscription().id, environmentName, location))
var appName = 'func-${token}'
var deploymentContainer = 'app-package-${token}'
var isFlex = hostingPlan == 'FlexConsumption'
var useScheduler = durableBackend == 'DurableTaskScheduler'
var taskHubName = 'DeviceJobsHub'

// Built-in role definition ids.
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  durableTaskDataContributor: '0ad04412-c4d5-4796-b79c-f76d14c8d402'
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-${token}'
  location: location
  tags: tags
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'st${token}'
  location: location
  tags: tags
  sku: { name: 'Standard_LRS' }
  kind: 'StorageV2'
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
  resource blobs 'blobServices' = {
    name: 'default'
    resource packages 'containers' = {
      name: deploymentContainer
    }
  }
}

resource storageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in [roles.storageBlobDataOwner, roles.storageQueueDataContributor, roles.storageTableDataContributor]: {
    name: guid(storage.id, identity.id, role)
    scope: storage
    properties: {
      principalId: identity.properties.principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    }
  }
]

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-${token}'
  location: location
  tags: tags
  properties: { sku: { name: 'PerGB2018' }, retentionInDays: 30 }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-${token}'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
    DisableLocalAuth: true
  }
}

resource insightsRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(insights.id, identity.id, roles.monitoringMetricsPublisher)
  scope: insights
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: 'kv-${token}'
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
  }
  resource policies 'secrets' = {
    name: 'jobs-access-policies'
    properties: { value: jobsAccessPolicies, contentType: 'application/json' }
  }
}

resource vaultReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identity.id, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
  }
}

resource vaultOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(principalId)) {
  name: guid(vault.id, principalId, roles.keyVaultSecretsOfficer)
  scope: vault
  properties: {
    principalId: principalId
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)
  }
}

resource scheduler 'Microsoft.DurableTask/schedulers@2024-10-01-preview' = if (useScheduler) {
  name: 'dts-${token}'
  location: location
  tags: tags
  properties: {
    ipAllowlist: ['0.0.0.0/0']
    sku: { name: 'Dedicated', capacity: 1 }
  }
  resource hub 'taskHubs' = {
    name: taskHubName
  }
}

resource schedulerRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (useScheduler) {
  name: guid(resourceGroup().id, 'dts', identity.id, roles.durableTaskDataContributor)
  scope: scheduler
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.durableTaskDataContributor)
  }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-${token}'
  location: location
  tags: tags
  kind: isFlex ? 'functionapp' : 'elastic'
  sku: isFlex ? { name: 'FC1', tier: 'FlexConsumption' } : { name: 'EP1', tier: 'ElasticPremium' }
  properties: {
    reserved: true
    maximumElasticWorkerCount: isFlex ? null : 20
  }
}

// Every app setting of the Function App; test/unit/deploy/infra-settings.test.ts checks these names against the
// settings the code reads. Object keys are the setting names.
var appSettings = {
  AzureWebJobsStorage__accountName: storage.name
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identity.properties.clientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: insights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.properties.clientId};Authorization=AAD'
  JOBS_ACCESS_POLICIES: '@Microsoft.KeyVault(SecretUri=${vault::policies.properties.secretUri})'
  JOBS_HOST_NAME: '${appName}.azurewebsites.net'
  DEVICE_GATEWAY: 'simulated'
  JOBS_MAX_ACTIVE_JOBS: string(maxActiveJobs)
  AzureFunctionsJobHost__extensions__durableTask__hubName: taskHubName
  AzureFunctionsJobHost__extensions__durableTask__storageProvider__type: useScheduler ? 'azureManaged' : 'AzureStorage'
}

var schedulerSettings = useScheduler
  ? {
      AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionStringName: 'DURABLE_TASK_SCHEDULER_CONNECTION_STRING'
      DURABLE_TASK_SCHEDULER_CONNECTION_STRING: 'Endpoint=${scheduler!.properties.endpoint};Authentication=ManagedIdentity;ClientID=${identity.properties.clientId}'
    }
  : {}

// Flex Consumption takes the runtime from functionAppConfig and rejects these two as app settings.
var premiumSettings = isFlex
  ? {}
  : {
      FUNCTIONS_EXTENSION_VERSION: '~4'
      FUNCTIONS_WORKER_RUNTIME: 'node'
    }

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identity.id
    siteConfig: {
      linuxFxVersion: isFlex ? null : 'NODE|20'
      minTlsVersion: '1.2'
      appSettings: [for setting in items(union(appSettings, schedulerSettings, premiumSettings)): {
        name: setting.key
        value: setting.value
      }]
    }
    functionAppConfig: isFlex
      ? {
          deployment: {
            storage: {
              type: 'blobContainer'
              value: '${storage.properties.primaryEndpoints.blob}${deploymentContainer}'
              authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identity.id }
            }
          }
          scaleAndConcurrency: { maximumInstanceCount: 100, instanceMemoryMB: 2048 }
          runtime: { name: 'node', version: '20' }
        }
      : null
  }
  dependsOn: [storageRoles, vaultReader]
}

output functionAppName string = functionApp.name
output keyVaultName string = vault.name
output hostName string = functionApp.properties.defaultHostName
output serviceUrl string = 'https://${functionApp.properties.defaultHostName}'
